{{
  config(
    materialized='incremental',
    pre_hook="{{ set_unprocessed_files('energy_price_files', 'prices') }}"
  )
}}

select
    price_hour,
    zone,
    price_eur_mwh,
    parse_filename(filename) as source_file,
    {{ batch_of('filename') }} as batch
from read_csv(
    getvariable('energy_price_files'),
    header = true,
    filename = true,
    columns = {'price_hour': 'TIMESTAMP', 'zone': 'VARCHAR', 'price_eur_mwh': 'DECIMAL(10,2)'}
)
