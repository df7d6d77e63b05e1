from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from hotline_stack.config import Ports, StackConfig

FAKE_SERVICE = Path(__file__).with_name("fake_service.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """An 'interpreter' whose `-m <svc>.manage ...` runs the fake service instead of the real one."""
    wrapper = tmp_path / "fake-python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_SERVICE}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    path = tmp_path / "markers"
    path.mkdir()
    return path


@pytest.fixture
def fake_config(tmp_path: Path, fake_python: Path, markers: Path) -> StackConfig:
    return StackConfig(
        data_dir=tmp_path / "data",
        ports=Ports.free(),
        python=str(fake_python),
        extra_env={"FAKE_MARKERS": str(markers)},
    )
