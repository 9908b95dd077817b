"""Views of the web shell: thin handlers that parse, call one service or selector, render."""
