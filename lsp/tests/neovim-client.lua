-- Drives the server through Neovim's own LSP client (0.7 and later), as a
-- user's editor does: opens the policy, waits for the diagnostics, applies
-- the quick fix for the misspelt value through the editor, saves, and
-- waits for the diagnostics again. Writes what it saw to $ONUS_OUT as JSON lines;
-- exits non-zero if a step times out.
local server, policy, out = os.getenv("ONUS_LSP"), os.getenv("ONUS_POLICY"), os.getenv("ONUS_OUT")
local report = io.open(out, "w")
local function say(step, value)
  report:write(vim.fn.json_encode({ step = step, value = value }) .. "\n")
  report:flush()
end
local function fail(why)
  say("failed", why)
  report:close()
  vim.cmd("cquit 1")
end

vim.cmd("edit " .. vim.fn.fnameescape(policy))
local buffer = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "onus",
  cmd = { server },
  root_dir = vim.fn.fnamemodify(policy, ":h"),
})
if not client_id then
  fail("the client did not start")
end
vim.lsp.buf_attach_client(buffer, client_id)

local function diagnostics()
  local seen = {}
  for _, d in ipairs(vim.diagnostic.get(buffer)) do
    table.insert(seen, { line = d.lnum, col = d.col, severity = d.severity, message = d.message })
  end
  table.sort(seen, function(a, b) return a.line < b.line end)
  return seen
end

if not vim.wait(20000, function() return #vim.diagnostic.get(buffer) >= 1 end, 20) then
  fail("no diagnostics within 20 s")
end
say("opened", diagnostics())

-- The quick fix for the misspelt value: asked for on its line, applied by
-- the editor's own workspace-edit code.
local client = vim.lsp.get_client_by_id(client_id)
local misspelt
for _, d in ipairs(vim.lsp.diagnostic.get_line_diagnostics(buffer, 2)) do
  if d.code == "unknown-name" then misspelt = d end
end
if not misspelt then
  fail("no unknown-name diagnostic on line 3")
end
local params = {
  textDocument = vim.lsp.util.make_text_document_params(buffer),
  range = misspelt.range,
  context = { diagnostics = { misspelt } },
}
local answer = client.request_sync("textDocument/codeAction", params, 10000, buffer)
if not answer or answer.err or not answer.result or not answer.result[1] then
  fail("no code action: " .. vim.inspect(answer))
end
local action = answer.result[1]
say("action", action.title)
vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
vim.cmd("write")
say("fixed", vim.api.nvim_buf_get_lines(buffer, 0, -1, false))

-- Loaded now, the policy is checked: its conflict shows.
local function conflict_shown()
  local seen = vim.diagnostic.get(buffer)
  return #seen == 1 and seen[1].message:find("conflict", 1, true) ~= nil
end
if not vim.wait(20000, conflict_shown, 20) then
  fail("no conflict alone after the fix: " .. vim.inspect(diagnostics()))
end
say("after", diagnostics())
report:close()
vim.lsp.stop_client(client_id)
vim.cmd("qall!")
