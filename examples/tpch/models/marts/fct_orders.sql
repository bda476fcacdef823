select
    f.order_key,
    f.customer_key,
    f.order_date,
    count(*) as line_count,
    sum(f.quantity) as quantity,
    sum(f.net_revenue) as net_revenue,
    sum(f.gross_revenue) as gross_revenue
from {{ ref('fct_lineitem') }} as f
group by all
