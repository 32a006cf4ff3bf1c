{# Syntetos-Boylan demand pattern from the average interval between demand days and the squared
   coefficient of variation of the non-zero quantities (cut-offs: vars demand_pattern_*). #}
{% macro demand_pattern(average_demand_interval, demand_size_cv2) -%}
    case
        when {{ average_demand_interval }} > {{ var('demand_pattern_adi_cutoff') }}
            and {{ demand_size_cv2 }} > {{ var('demand_pattern_cv2_cutoff') }} then 'lumpy'
        when {{ average_demand_interval }} > {{ var('demand_pattern_adi_cutoff') }} then 'intermittent'
        when {{ demand_size_cv2 }} > {{ var('demand_pattern_cv2_cutoff') }} then 'erratic'
        else 'smooth'
    end
{%- endmacro %}
