"""Exit codes of every `tieout` command, for scripts: 0 success, 1 the run failed, 2 the command was wrong."""

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE = 0, 1, 2
