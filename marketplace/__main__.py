import sys

from marketplace.cli import main

sys.exit(main())
