{#- Revenue of a line item: price after discount (and tax when asked). -#}
{% macro net_revenue(price, discount, tax=none) -%}
  {%- if tax is none -%}
    ({{ price }} * (1 - {{ discount }}))
  {%- else -%}
    ({{ price }} * (1 - {{ discount }}) * (1 + {{ tax }}))
  {%- endif -%}
{%- endmacro %}
