"""workshelf-infra: one Pulumi program, three stacks (dev, staging, production).

The work happens in `infra/`: settings are validated first (infra/config), then the stack's database
is declared (infra/components) and the same outputs are exported by every stack (infra/program.py).
"""

from pathlib import Path

from infra.program import main
from infra.quickexit import end_silently_on_interrupt, skip_final_collection

# This process is the engine's: it waits for it to end and stops it with SIGINT (infra/quickexit.py).
skip_final_collection()
end_silently_on_interrupt()
main(Path(__file__).resolve().parent)
