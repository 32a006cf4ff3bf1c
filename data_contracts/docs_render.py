"""Great Expectations renderers for the data docs: a column section is headed by the source column
a rule is about (``launch_date: date format``), not by the helper column it checks
(``_bad_launch_date``), and sections come in the order of those headings, so a column's checks
stand together. Named by module in the docs site's configuration (``docs.py``)."""

from __future__ import annotations

from great_expectations.core.expectation_validation_result import ExpectationValidationResult
from great_expectations.render.components import RenderedSectionContent
from great_expectations.render.renderer.column_section_renderer import (
    ExpectationSuiteColumnSectionRenderer,
    ValidationResultsColumnSectionRenderer,
)
from great_expectations.render.renderer.page_renderer import ExpectationSuitePageRenderer, ValidationResultsPageRenderer


def _section(ge_object, column: str) -> str:
    first = ge_object[0] if isinstance(ge_object, list) else ge_object
    config = first.expectation_config if isinstance(first, ExpectationValidationResult) else first
    return (config.meta or {}).get("section") or column


def _by_heading(columns: dict) -> list[str]:
    return sorted(columns, key=lambda column: (_section(columns[column], column), column))


class ContractSuiteColumnSection(ExpectationSuiteColumnSectionRenderer):
    @classmethod
    def _get_column_name(cls, ge_object):
        return _section(ge_object, super()._get_column_name(ge_object))


class ContractValidationColumnSection(ValidationResultsColumnSectionRenderer):
    @classmethod
    def _get_column_name(cls, ge_object):
        return _section(ge_object, super()._get_column_name(ge_object))


class ContractSuitePage(ExpectationSuitePageRenderer):
    @staticmethod
    def _get_grouped_and_ordered_expectations_by_column(expectation_suite):
        columns, _ = ExpectationSuitePageRenderer._get_grouped_and_ordered_expectations_by_column(expectation_suite)
        return columns, _by_heading(columns)


class ContractValidationPage(ValidationResultsPageRenderer):
    def _collect_rendered_document_content_sections(self, validation_results, overview_content_blocks, collapse_content_blocks, columns):
        # GX's, with the column sections in the order of their headings
        render = self._column_section_renderer.render
        sections = [RenderedSectionContent(section_name="Overview", content_blocks=overview_content_blocks)]
        parameters = validation_results.suite_parameters
        table_level = columns.pop("Table-Level Expectations", None)
        if table_level:
            sections.append(render(validation_results=table_level, suite_parameters=parameters))
        sections += [render(validation_results=columns[column], suite_parameters=parameters) for column in _by_heading(columns)]
        if self.run_info_at_end:
            sections.append(RenderedSectionContent(section_name="Run Info", content_blocks=collapse_content_blocks))
        return sections
