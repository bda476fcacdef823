{{ config(materialized='view') }}

{%- set segments = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'] %}

select
    c.nation_name,
    d.year,
    {%- for segment in segments %}
    sum(case when c.market_segment = '{{ segment }}' then o.net_revenue else 0 end) as revenue_{{ segment | lower }},
    {%- endfor %}
    sum(o.net_revenue) as revenue_total
from {{ ref('fct_orders') }} as o
join {{ ref('dim_customer') }} as c using (customer_key)
join {{ ref('dim_date') }} as d on d.date_day = o.order_date
group by all
