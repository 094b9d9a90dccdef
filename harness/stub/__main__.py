"""``python -m harness.stub --profile customerio --port 8000``: run the stub service."""

import sys

from harness.stub.serve import main

sys.exit(main())
