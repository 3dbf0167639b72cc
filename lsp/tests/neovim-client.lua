-- Drives the server through Neovim's own LSP client, set up by
-- editors/neovim/onus.lua as a user's config does: opens the policy,
-- waits for the diagnostics, applies the quick fix for the misspelt value
-- through the editor, saves, and waits for the diagnostics again. Writes
-- what it saw to $ONUS_OUT as JSON lines; any error or timeout exits 1.
local policy, out = os.getenv("ONUS_POLICY"), os.getenv("ONUS_OUT")
local report = io.open(out, "w")
local function say(step, value)
  report:write(vim.fn.json_encode({ step = step, value = value }) .. "\n")
  report:flush()
end

local function drive()
  vim.g.onus_lsp_cmd = { os.getenv("ONUS_LSP") }
  dofile(os.getenv("ONUS_SETUP"))
  vim.cmd("edit " .. vim.fn.fnameescape(policy))
  local buffer = vim.api.nvim_get_current_buf()

  local function diagnostics()
    local seen = {}
    for _, d in ipairs(vim.diagnostic.get(buffer)) do
      table.insert(seen, { line = d.lnum, col = d.col, severity = d.severity, message = d.message })
    end
    table.sort(seen, function(a, b) return a.line < b.line end)
    return seen
  end

  if not vim.wait(20000, function() return #vim.diagnostic.get(buffer) >= 1 end, 20) then
    error("no diagnostics within 20 s")
  end
  say("opened", diagnostics())

  -- The quick fix for the misspelt value, asked for with the diagnostic
  -- as the editor holds it, applied by the editor's own workspace-edit code.
  local held = vim.diagnostic.get(buffer)[1]
  local code = held.code or (held.user_data and held.user_data.lsp and held.user_data.lsp.code)
  local range = {
    start = { line = held.lnum, character = held.col },
    ["end"] = { line = held.end_lnum, character = held.end_col },
  }
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(buffer),
    range = range,
    context = { diagnostics = { { range = range, message = held.message, code = code, severity = held.severity } } },
  }
  local client = vim.lsp.get_active_clients()[1]
  local answer = client.request_sync("textDocument/codeAction", params, 10000, buffer)
  if not answer or answer.err or not answer.result or not answer.result[1] then
    error("no code action: " .. vim.inspect(answer))
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
    error("no conflict alone after the fix: " .. vim.inspect(diagnostics()))
  end
  say("after", diagnostics())
  vim.lsp.stop_client(client.id)
end

local ok, why = xpcall(drive, debug.traceback)
if not ok then
  say("failed", why)
  report:close()
  vim.cmd("cquit 1")
end
report:close()
vim.cmd("qall!")
