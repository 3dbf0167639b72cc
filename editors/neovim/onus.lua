-- Onus in Neovim 0.7 to 0.10 (0.11 and later: `vim.lsp.config`, in
-- editors/README.md). From init.lua: `dofile("/path/to/onus.lua")`, or copy
-- it in. `vim.g.onus_lsp_cmd` names another command than `onus lsp`.
local cmd = vim.g.onus_lsp_cmd or { "onus", "lsp" }
local client_id
vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
  pattern = "*.onus",
  callback = function(args)
    vim.bo[args.buf].filetype = "onus"
    -- The folder Neovim started in is the workspace: workspace symbols
    -- search its `.onus` files.
    client_id = client_id
      or vim.lsp.start_client({ name = "onus", cmd = cmd, root_dir = vim.fn.getcwd() })
    if client_id then
      vim.lsp.buf_attach_client(args.buf, client_id)
    end
  end,
})
