# Copyright (c) 2026, hastack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the get-pip.py script ansible-test downloads.

ansible-test bootstraps pip in each of its virtual environments by running a
get-pip.py fetched from a host outside the package registries. This script does
the same job with the interpreter's own ensurepip and then installs the
requested packages (pip, setuptools, ...) from the configured package index.
"""

import ensurepip
import os
import subprocess
import sys

# Options understood by get-pip.py but not by "pip install".
_GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    # ensurepip points PIP_CONFIG_FILE at /dev/null for its own run; the
    # install below must see the user's pip configuration (index, CA bundle).
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in sys.argv[1:] if arg not in _GET_PIP_ONLY]
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args, env=environment)


if __name__ == "__main__":
    main()
