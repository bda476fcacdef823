{{ config(materialized='view') }}

select
    s.region_code,
    s.region_name,
    count(distinct d.site_id) as sites,
    sum(d.net_kwh) as net_kwh,
    sum(d.net_cost_eur) as net_cost_eur
from {{ ref('fct_site_daily') }} as d
join {{ ref('dim_site') }} as s using (site_id)
group by all
