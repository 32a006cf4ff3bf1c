"""Company configuration: who the company is and how its files map to Planline's tables.

``config``: the company folder (``company.yaml`` and one mapping per source) and its checks;
``mapping``: the declarative source mapping; ``apply``: a parsed file turned into canonical rows.
"""

from data_contracts.company.config import CompanyConfigError, CompanyConfiguration, load_company
from data_contracts.company.mapping import SourceMapping

__all__ = ["CompanyConfigError", "CompanyConfiguration", "SourceMapping", "load_company"]
