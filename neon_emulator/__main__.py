"""`python -m neon_emulator`: serve the emulator until SIGINT/SIGTERM (see `neon_emulator.cli`)."""

import sys

from neon_emulator.cli import main

sys.exit(main())
