select
    cast(d as date) as date_day,
    year(d) as year,
    quarter(d) as quarter,
    month(d) as month,
    isodow(d) as iso_day_of_week
from generate_series(
    (select min(o_orderdate) from {{ source('tpch', 'orders') }}),
    (select max(l_receiptdate) from {{ source('tpch', 'lineitem') }}),
    interval 1 day
) as t(d)
