{{ config(materialized='ephemeral') }}

-- The latest full snapshot of the sites file.
with snapshots as (
    select *, {{ batch_of('filename') }} as batch
    from read_csv('{{ landing_path() }}/sites/*.csv', header = true, filename = true)
)
select site_id, site_name, region_code, asset_type, cast(capacity_kw as integer) as capacity_kw, batch
from snapshots
where batch = (select max(batch) from snapshots)
