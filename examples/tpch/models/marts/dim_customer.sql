select
    c.c_custkey as customer_key,
    c.c_name as customer_name,
    c.c_mktsegment as market_segment,
    c.c_acctbal as account_balance,
    n.nation_name,
    n.region_name
from {{ source('tpch', 'customer') }} as c
join {{ ref('stg_nations') }} as n on n.nation_key = c.c_nationkey
