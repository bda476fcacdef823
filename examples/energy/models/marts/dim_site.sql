{{
  config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='site_id'
  )
}}

-- Smart refresh: only sites that are new or whose attributes changed since
-- the last run are merged in.
{%- set tracked = ['site_name', 'region_code', 'asset_type', 'capacity_kw'] %}

with sites as (
    select
        s.site_id,
        s.site_name,
        s.region_code,
        r.region_name,
        r.price_zone,
        s.asset_type,
        s.capacity_kw,
        md5(concat_ws('|', {% for c in tracked %}cast(s.{{ c }} as varchar){% if not loop.last %}, {% endif %}{% endfor %})) as row_hash,
        s.batch as changed_in_batch
    from {{ ref('stg_sites') }} as s
    left join {{ ref('regions') }} as r using (region_code)
)
select *
from sites
{% if is_incremental() %}
where row_hash not in (select row_hash from {{ this }})
{% endif %}
