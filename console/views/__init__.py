"""Pages of the staff console (issue 17): the work queues (``queues``), the decision pages
(``decisions``) and the customer 360 (``customers``). Every page is behind
``console.access.staff_required``; every write goes through the owning app's service."""
