# In memory only: the scenarios move the pipeline's clock, which the stack's real clock cannot do.
@in-memory
Feature: Silent devices
  A device that stops reporting is noticed. When the pipeline has not received a reading from a
  device for the silence timeout, the device is reported silent, once, however long the silence
  lasts; when it reports again, it is reported back. A device the pipeline has never heard from
  is never reported.

  Background:
    Given a device is reported silent after 60 seconds without a reading

  Scenario: A silent device is reported once
    When device "freezer-2" reports 70°F
    And 5 minutes pass without a reading
    Then device "freezer-2" is reported silent 1 time
    And no other device is reported silent

  Scenario: A silent device that reports again is reported back
    When device "freezer-2" reports 70°F
    And 2 minutes pass without a reading
    And device "freezer-2" reports 71°F
    Then device "freezer-2" is reported silent 1 time and back 1 time

  Scenario: A device that keeps reporting is never reported silent
    When device "freezer-2" reports 70°F every 30 seconds for 5 minutes
    Then no device is reported silent

  Scenario: A device is not silent before the timeout
    When device "freezer-2" reports 70°F
    And 50 seconds pass without a reading
    Then no device is reported silent
