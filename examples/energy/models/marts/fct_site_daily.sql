{{ config(materialized='table') }}

select
    m.site_id,
    h.reading_date,
    c.iso_week,
    c.is_weekend,
    sum(case when m.direction = 'import' then h.kwh else 0 end) as import_kwh,
    sum(case when m.direction = 'export' then h.kwh else 0 end) as export_kwh,
    sum(case when m.direction = 'import' then h.kwh else -h.kwh end) as net_kwh,
    round(sum(case when m.direction = 'import' then h.cost_eur else -h.cost_eur end), 2) as net_cost_eur,
    max(case when m.direction = 'import' then h.kwh end) as peak_import_kwh
from {{ ref('fct_meter_hourly') }} as h
join {{ ref('dim_meter') }} as m using (meter_id)
join {{ ref('dim_calendar') }} as c on c.date_day = h.reading_date
group by all
