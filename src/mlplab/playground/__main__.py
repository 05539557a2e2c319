"""``python -m mlplab.playground``: start the playground server."""

import sys

from .cli import main

sys.exit(main())
