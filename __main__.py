"""workshelf-infra: one Pulumi program, three stacks (dev, staging, production).

The work happens in `infra/`: settings are validated first (infra/config), then the stack's database
is declared (infra/components) and the same outputs are exported by every stack (infra/program.py).
"""

from pathlib import Path

from infra.program import main

main(Path(__file__).resolve().parent)
