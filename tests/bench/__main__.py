"""``python -m tests.bench``: see :mod:`tests.bench.run`."""

import sys

from .run import main

sys.exit(main())
