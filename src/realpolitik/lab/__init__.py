"""The strategy lab: interventions × uncertain inputs, seeded Monte Carlo, sensitivity and robust ranking.

Vocabulary follows EMA Workbench: *uncertainties* are the scenario's uncertain numbers, *levers* are the
strategies (named lists of interventions), *outcomes* are the forecast per issue and the client's utility.
"""
