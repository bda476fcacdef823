{{ config(materialized='view') }}

with snapshots as (
    select *, {{ batch_of('filename') }} as batch
    from read_csv('{{ landing_path() }}/meters/*.csv', header = true, filename = true)
)
select meter_id, site_id, direction
from snapshots
where batch = (select max(batch) from snapshots)
