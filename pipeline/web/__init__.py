"""The office page: the month in a browser (`nastavnik serve`). Imported only by that
command, so that `nastavnik --help` does not load the web framework."""
