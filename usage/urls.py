app_name = "usage"

urlpatterns = []
