select
    m.meter_id,
    m.site_id,
    m.direction,
    s.price_zone
from {{ ref('stg_meters') }} as m
join {{ ref('dim_site') }} as s using (site_id)
