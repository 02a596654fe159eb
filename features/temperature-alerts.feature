Feature: Temperature alerts
  Devices report the temperature they measure. When a reading is hotter than MAX_TEMP
  or colder than MIN_TEMP, a TempRangeAlert is sent so that someone can act.
  A reading exactly at a limit is still within the limits.

  Background:
    Given the alert limits are MIN_TEMP 40°F and MAX_TEMP 120°F

  Scenario: A reading above MAX_TEMP sends an alert
    When device "oven-7" reports 125.5°F
    Then a TempRangeAlert is sent for device "oven-7" saying the reading was above 120°F
    And the reading is stored

  Scenario: A reading at exactly MAX_TEMP sends no alert
    When device "oven-7" reports 120°F
    Then no TempRangeAlert is sent
    And the reading is stored

  Scenario: A reading below MIN_TEMP sends an alert
    When device "freezer-2" reports 35°F
    Then a TempRangeAlert is sent for device "freezer-2" saying the reading was below 40°F
    And the reading is stored

  Scenario: A reading at exactly MIN_TEMP sends no alert
    When device "freezer-2" reports 40°F
    Then no TempRangeAlert is sent
    And the reading is stored

  Scenario Outline: Only readings beyond the limits send alerts
    When device "probe-1" reports <temperature>
    Then the number of TempRangeAlerts sent is <alerts>

    Examples:
      | temperature | alerts |
      | 120.1°F     | 1      |
      | 120°F       | 0      |
      | 80°F        | 0      |
      | 40°F        | 0      |
      | 39.9°F      | 1      |
