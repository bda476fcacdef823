{{
  config(
    materialized='incremental',
    pre_hook="{{ set_unprocessed_files('energy_reading_files', 'readings') }}",
    post_hook="DELETE FROM {{ this }} WHERE kwh IS NULL"
  )
}}

-- 15-minute readings from the landing files the archive has not seen yet.
select
    meter_id,
    reading_ts,
    kwh,
    quality_flag,
    parse_filename(filename) as source_file,
    {{ batch_of('filename') }} as batch
from read_csv(
    getvariable('energy_reading_files'),
    header = true,
    filename = true,
    columns = {
        'meter_id': 'VARCHAR',
        'reading_ts': 'TIMESTAMP',
        'kwh': 'DECIMAL(12,3)',
        'quality_flag': 'VARCHAR'
    }
)
