"""The ticket kiosk: touchscreen app (`app`, `flow`, `draw`), ticket taking (`issuing`), the printed ticket
(`ticket`), its role-file tables (`settings`), and the `onewindow kiosk` / `onewindow print-test` commands."""
