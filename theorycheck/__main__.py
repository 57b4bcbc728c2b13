"""`python -m theorycheck ...` is the `theorycheck` command."""

import sys

from .verify.cli import main

sys.exit(main())
