{{
  config(
    materialized='incremental',
    unique_key=['meter_id', 'reading_hour']
  )
}}
-- depends_on: {{ ref('stg_meter_readings') }}

{% if is_incremental() %}
-- Hours with readings from batches this table has not seen (new days and restatements).
with touched as (
    select distinct meter_id, date_trunc('hour', reading_ts) as reading_hour
    from {{ ref('stg_meter_readings') }}
    where batch > (select coalesce(max(last_batch), 0) from {{ this }})
),
{% else %}
with
{% endif %}
readings as (
    select r.meter_id, date_trunc('hour', r.reading_ts) as reading_hour, r.kwh, r.batch
    from {{ ref('int_readings_latest') }} as r
    {% if is_incremental() %}
    join touched as t on t.meter_id = r.meter_id and t.reading_hour = date_trunc('hour', r.reading_ts)
    {% endif %}
),
prices as (
    select price_hour, zone, price_eur_mwh
    from {{ ref('stg_prices') }}
    qualify row_number() over (partition by price_hour, zone order by batch desc) = 1
)
select
    r.meter_id,
    r.reading_hour,
    cast(r.reading_hour as date) as reading_date,
    sum(r.kwh) as kwh,
    count(*) as quarter_hours,
    any_value(p.price_eur_mwh) as price_eur_mwh,
    -- Money stays DECIMAL: sums of doubles depend on the order rows arrive in.
    cast(sum(r.kwh) * any_value(p.price_eur_mwh) / 1000 as decimal(18, 4)) as cost_eur,
    max(r.batch) as last_batch
from readings as r
join {{ ref('dim_meter') }} as m on m.meter_id = r.meter_id
left join prices as p on p.price_hour = r.reading_hour and p.zone = m.price_zone
group by r.meter_id, r.reading_hour
