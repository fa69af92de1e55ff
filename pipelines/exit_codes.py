"""Exit codes of every `tieout` command, for scripts: 0 success, 1 the run failed, 2 the command was
wrong, 130 interrupted (Ctrl-C, as shells report SIGINT)."""

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
