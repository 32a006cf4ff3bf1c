{#
  The group of what master data leaves ungrouped: an item without family, a location without
  region. The monthly S&OP cycle plans by family and region and joins on them, so a missing value
  is this group of its own (shown as such), not a null that joins nothing.
#}
{% macro unassigned(column) -%}
    coalesce({{ column }}, '(none)')
{%- endmacro %}
