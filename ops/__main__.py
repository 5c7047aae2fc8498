"""`python -m ops`: the operators' command line. What the runtime's code logs on the way goes to
stderr as JSON lines (warnings and worse), keeping stdout for the answer."""

import sys

from ops.cli import main
from runtime.adapters.logs import configure_logging

configure_logging("WARNING", stream=sys.stderr)
sys.exit(main())
