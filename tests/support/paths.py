"""Where the tests' data lives: all inside the project, so a clone alone runs them."""
from __future__ import annotations

from service.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"  # the coach-editable data the service reads
ARTICLES = KNOWLEDGE / "articles"
DATA = PROJECT_ROOT / "tests" / "data"
SMALL_MODEL_ANSWERS = DATA / "small-model-answers.yaml"  # a copy of the real small model's bad answers
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"  # screenshots the browser tests leave for a person to look at


def load_yaml(path):
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))
