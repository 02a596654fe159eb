Feature: Celsius readings
  Some devices report in degrees Celsius. Their readings are converted to Fahrenheit
  before they are checked against the legal range and the alert limits, and they are
  stored as the device sent them.

  Background:
    Given the alert limits are MIN_TEMP 40°F and MAX_TEMP 120°F

  Scenario: A hot Celsius reading is converted and sends an alert
    When device "lab-3" reports 50°C
    Then a TempRangeAlert is sent for device "lab-3" saying the reading was above 120°F
    And the alert shows the reading as 122°F
    And the reading is stored as 50°C

  Scenario: A mild Celsius reading sends no alert
    When device "lab-3" reports 20°C
    Then no TempRangeAlert is sent
    And the reading is stored as 20°C

  Scenario: A Celsius reading beyond the legal range is rejected
    When device "lab-3" reports 60°C
    Then the reading is in the dead-letter queue because it broke the rule "legal-range"
    And the reading is not stored
