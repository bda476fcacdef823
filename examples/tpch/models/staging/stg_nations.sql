select n.n_nationkey as nation_key, n.n_name as nation_name, r.r_name as region_name
from {{ source('tpch', 'nation') }} as n
join {{ source('tpch', 'region') }} as r on r.r_regionkey = n.n_regionkey
