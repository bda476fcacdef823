-- Meters never report negative energy.
select meter_id, reading_ts, kwh
from {{ ref('stg_meter_readings') }}
where kwh < 0
