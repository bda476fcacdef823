select
    s.s_suppkey as supplier_key,
    s.s_name as supplier_name,
    s.s_acctbal as account_balance,
    n.nation_name,
    n.region_name
from {{ source('tpch', 'supplier') }} as s
join {{ ref('stg_nations') }} as n on n.nation_key = s.s_nationkey
