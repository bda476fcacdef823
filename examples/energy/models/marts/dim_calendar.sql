{{ config(materialized='table') }}

select
    cast(d as date) as date_day,
    year(d) as year,
    month(d) as month,
    day(d) as day_of_month,
    isodow(d) as iso_day_of_week,
    weekofyear(d) as iso_week,
    isodow(d) in (6, 7) as is_weekend,
    strftime(d, '%Y-%m') as year_month
from generate_series(
    date '{{ var("calendar_start") }}',
    date '{{ var("calendar_end") }}',
    interval 1 day
) as t(d)
