{{ config(materialized='ephemeral') }}

-- One value per meter and quarter hour: a restated reading (later batch) wins.
select meter_id, reading_ts, kwh, quality_flag, batch
from {{ ref('stg_meter_readings') }}
qualify row_number() over (partition by meter_id, reading_ts order by batch desc, source_file desc) = 1
