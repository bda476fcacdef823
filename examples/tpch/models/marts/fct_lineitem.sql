{{ config(materialized='incremental', unique_key=['order_key', 'line_number']) }}

select
    l.l_orderkey as order_key,
    l.l_linenumber as line_number,
    o.o_custkey as customer_key,
    l.l_partkey as part_key,
    l.l_suppkey as supplier_key,
    o.o_orderdate as order_date,
    l.l_shipdate as ship_date,
    l.l_quantity as quantity,
    l.l_extendedprice as extended_price,
    l.l_discount as discount,
    {{ net_revenue('l.l_extendedprice', 'l.l_discount') }} as net_revenue,
    {{ net_revenue('l.l_extendedprice', 'l.l_discount', tax='l.l_tax') }} as gross_revenue,
    l.l_returnflag as return_flag,
    l.l_linestatus as line_status
from {{ source('tpch', 'lineitem') }} as l
join {{ source('tpch', 'orders') }} as o on o.o_orderkey = l.l_orderkey
{% if is_incremental() %}
where o.o_orderdate >= (select max(order_date) from {{ this }})
{% endif %}
