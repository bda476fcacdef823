{{ config(materialized='incremental') }}

-- The archive log: every landing file ingested, with its row count. The
-- staging pre-hooks read it to find unprocessed files.
{% set kinds = {'readings': ref('stg_meter_readings'), 'prices': ref('stg_prices')} %}

with ingested as (
    {%- for kind, relation in kinds.items() %}
    select source_file as file_name, '{{ kind }}' as kind, min(batch) as batch, count(*) as row_count
    from {{ relation }}
    group by source_file
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)
select file_name, kind, batch, row_count
from ingested
{% if is_incremental() %}
where file_name not in (select file_name from {{ this }})
{% endif %}
