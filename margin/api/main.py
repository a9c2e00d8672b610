from ninja import NinjaAPI

api = NinjaAPI(title="Margin API", version="1")
