"""The demo company's source mappings, for tests that load its files without a whole home."""

from __future__ import annotations

from data_contracts.company.mapping import SourceMapping
from ml.demo_company.company_config import mapping_documents
from ml.demo_company.formats import COMPANY_TIMEZONE
from orchestration.ingestion.loader import load_source

DEMO_MAPPINGS: dict[str, SourceMapping] = {source: SourceMapping.model_validate(document) for source, document in mapping_documents().items()}


def load_demo_source(con, contract, landing, rejected_dir, now, **options):
    """``load_source`` with the demo company's mapping of the contract's source."""
    options.setdefault("mapping", DEMO_MAPPINGS[contract.source])
    return load_source(con, contract, landing, rejected_dir, now, business_timezone=COMPANY_TIMEZONE, **options)
