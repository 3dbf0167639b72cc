-- Drives the server through Neovim's own LSP client, set up by
-- editors/neovim/onus.lua as a user's config does: opens the policy,
-- waits for the diagnostics, applies the quick fix for the misspelt value
-- through the editor, saves, and waits for the diagnostics again; then
-- finds references, renames a zone across the policy and its test file,
-- and searches the workspace's symbols. Writes
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

  -- References, rename and workspace symbols through the editor's own
  -- commands: their answers land in the quickfix list, the rename's edit
  -- is applied by the editor, in the test file beside the policy too.
  local function quickfix(run)
    vim.fn.setqflist({})
    run()
    if not vim.wait(20000, function() return #vim.fn.getqflist() > 0 end, 20) then
      error("nothing in the quickfix list")
    end
    local items = {}
    for _, item in ipairs(vim.fn.getqflist()) do
      table.insert(items, {
        file = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(item.bufnr), ":t"),
        line = item.lnum,
        text = item.text,
      })
    end
    vim.cmd("cclose")
    vim.api.nvim_set_current_buf(buffer)
    return items
  end
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  say("references", quickfix(function() vim.lsp.buf.references() end))
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.lsp.buf.rename("system")
  local function renamed()
    return vim.api.nvim_buf_get_lines(buffer, 0, 1, false)[1]:find("^system:") ~= nil
  end
  if not vim.wait(20000, renamed, 20) then
    error("not renamed: " .. vim.inspect(vim.api.nvim_buf_get_lines(buffer, 0, -1, false)))
  end
  local tests = vim.fn.bufnr(os.getenv("ONUS_TESTS"))
  say("renamed", {
    policy = vim.api.nvim_buf_get_lines(buffer, 0, -1, false),
    tests = tests > 0 and vim.api.nvim_buf_get_lines(tests, 0, -1, false) or {},
  })
  say("symbols", quickfix(function() vim.lsp.buf.workspace_symbol("osmo") end))
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
