"""Copy the repo's templates/ and examples/ into the built package, without symlinks.

A source tree or an editable install finds them beside the package (xlplan/resources.py); a
wheel carries them as xlplan/_shipped/templates and xlplan/_shipped/examples. Symlinks in the
package would not survive a Windows checkout, so the copy is made here, at build time.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent


class BuildWithData(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        for folder in ("templates", "examples"):
            target = Path(self.build_lib) / "xlplan" / "_shipped" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
