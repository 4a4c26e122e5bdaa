"""Lookup tables the project writes itself: CAMEO event codes, Goldstein, QuadClass and PLOVER.

Source: Schrodt, P. A. (2012). *CAMEO Conflict and Mediation Event Observations Event and Actor Codebook*,
version 1.1b3. Pennsylvania State University. Goldstein values follow the table GDELT ships with its events
(Goldstein 1992 as adapted for CAMEO), which is what GDELT's ``GoldsteinScale`` field carries. PLOVER categories
follow the OEDA CAMEO-to-PLOVER conversion table (PLOVER manual draft 0.8, Schrodt 2021).
"""
